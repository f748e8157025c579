from celery import shared_task


@shared_task(name="feedback.tasks.schedule_wellbeing_prompts")
def schedule_wellbeing_prompts() -> int:
    """Monthly: plan a wellbeing check-in prompt for every active member of staff."""
    from .notifications_wellbeing import schedule_wellbeing_prompts as plan

    return plan()


@shared_task(name="feedback.tasks.plan_measure_prompts")
def plan_measure_prompts() -> int:
    """Hourly: plan the wellbeing measure's prompts that have come due (at joining, then
    every few months). Safe to run twice."""
    from .notifications_measures import plan_measure_prompts as plan

    return plan()

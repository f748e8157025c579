from celery import shared_task


@shared_task(name="feedback.tasks.schedule_wellbeing_prompts")
def schedule_wellbeing_prompts() -> int:
    """Monthly: plan a wellbeing check-in prompt for every active member of staff."""
    from .notifications_wellbeing import schedule_wellbeing_prompts as plan

    return plan()

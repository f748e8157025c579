from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def posted(request):
    """The submitted data on a POST, else None (an unbound form).

    Not `request.POST or None`: a POST whose boxes are all unticked is empty,
    and must still bind the form.
    """
    return request.POST if request.method == "POST" else None


def add_service_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the field it names if the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, errors)

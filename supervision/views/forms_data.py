def posted(request):
    """The submitted data on a POST, else None (an unbound form).

    Not `request.POST or None`: a POST whose boxes are all unticked is empty,
    and must still bind the form.
    """
    return request.POST if request.method == "POST" else None

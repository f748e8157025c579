"""The shared kernel: what every domain app builds on and nothing below it knows.

People, organisations, departments, programmes, roles and the permission
primitives, form and date helpers and the calendar invite builder. Every other
app may import it; it imports none of them (tests/test_app_dependencies.py).
"""

"""The benchmarks (`make bench`, `make bench-reminders`): see bench/run.py."""

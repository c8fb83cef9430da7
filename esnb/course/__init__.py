"""The code the course notebooks build, saved from their `#@save` cells by `python -m esnb.sync`."""

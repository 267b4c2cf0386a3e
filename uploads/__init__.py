"""What a student uploaded: the files the grader and the copy check read, found
one way (locate.py); where an assignment keeps them, from its rubric.json
(layout.py); and the wording every command shares (wording.py). Kept here
because this package imports nothing else of the kit."""

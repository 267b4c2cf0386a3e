"""What a student uploaded: the files the grader and the copy check read, found one way;
and the wording every command shares (wording.py), kept here because this package
imports nothing else of the kit."""

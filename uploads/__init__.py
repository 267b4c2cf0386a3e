"""What a student uploaded: the files the grader and the copy check read, found one way."""

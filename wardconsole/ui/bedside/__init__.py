"""Recording at the bedside: observation rounds and PRN doses."""

"""pipes_openai."""

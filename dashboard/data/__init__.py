"""Getting data in: read, map and validate files (every problem at once), the grain, calendars, the history check and the model frame with its cache."""

"""Data made up for measuring: plans of any size for the size tests and the benchmark."""

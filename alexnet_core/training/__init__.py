"""Training: config, data, loop, the run store and the job backends."""

"""Consumer lag: offsets and seconds per group and partition, judged in Burrow's manner."""

"""The engines: the race (racers in lockstep), the batched multi-start engine, and the stop rule they share."""

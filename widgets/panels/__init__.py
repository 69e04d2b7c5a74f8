"""The panels beside the plots: objective, racers, run controls, leaderboard and curvature tables, checked fields."""

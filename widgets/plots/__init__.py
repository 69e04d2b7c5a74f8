"""The plots: the contour with its trajectories and markers, the step plots, the data plot and the 2-D slice."""

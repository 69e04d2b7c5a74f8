"""What the window draws, computed without Qt: the worker's snapshots of a race, the contour grid, the stability
edge, the eigenvector glyphs, a data set's decision boundary, and the decimation of long curves for drawing."""

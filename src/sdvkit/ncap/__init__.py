"""The Euro NCAP test bench: grids, the false-positive suite, scoring, OpenSCENARIO import."""

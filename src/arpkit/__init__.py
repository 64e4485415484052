"""arpkit: measure and act on ethnic disproportionality in children's social care.

The public Python API for analysts lives here; everything returns pandas DataFrames.
"""

__version__ = "0.1.0"

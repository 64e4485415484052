"""The arpkit engine: readers, the pseudonymised warehouse and the statistics.

Pure Python; it never imports Django or any web code.
"""

"""The chain: run folders, running the notebooks with papermill, the command line, the data source and the commit guard.

May import every layer.
"""

"""nabd (نبض): the command line and the composition of the pipeline stages."""

__version__ = "0.1.0"

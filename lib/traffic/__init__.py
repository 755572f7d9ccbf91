"""Traffic from the cleaned log: hourly arrival rates and handling times, and the callers' patience.

May import lib.core only; never a sibling (queues, calllog) or a higher layer.
"""

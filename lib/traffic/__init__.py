"""Traffic from the cleaned log: hourly arrival rates and handling times, and the callers' patience;
and the population projection by district that growth of the traffic would follow (population.py).

May import lib.core only; never a sibling (queues, calllog) or a higher layer.
"""

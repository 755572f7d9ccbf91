"""The queue layer: queue models (Erlang C, Erlang A, the chat pool), the queue-model seam and its registry, and the simulator.

May import lib.core only; never a sibling (calllog, traffic) or a higher layer.
"""

"""The queue layer: queue models (Erlang C, Erlang A, the chat pool), the queue-model seam and the simulator.

May import lib.core only (today: the top-level reference modules such as lib.paths and lib.assumptions); never a higher layer."""

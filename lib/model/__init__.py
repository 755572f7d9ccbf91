"""The staffing model: concepts as data, staffing every concept and year through the queue-model seam, implied staffing and the simulation check.

May import lib.core, lib.queues and lib.traffic.
"""

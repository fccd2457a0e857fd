"""Prometheus view of the offline private-message queue, read from the database at scrape time
(the partial index on undelivered rows keeps the count cheap)."""

import logging

from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

NAME = "chatstudio_offline_queue_depth"
HELP = "Private messages stored and not yet acknowledged by their recipient."


class OfflineQueueCollector(Collector):
    def describe(self):
        # Registration asks for the names; answering here keeps it from querying a database
        # that may not be migrated yet.
        return [GaugeMetricFamily(NAME, HELP)]

    def collect(self):
        from realtime.models import PrivateMessage

        try:
            depth = PrivateMessage.objects.filter(delivered_at__isnull=True).count()
        except DatabaseError as exc:
            logger.warning("Offline queue depth unavailable: %s", exc.__class__.__name__)
            return
        family = GaugeMetricFamily(NAME, HELP)
        family.add_metric([], depth)
        yield family

"""Names of the lag exporter's metrics: the dashboards and alert rules query these."""

from __future__ import annotations

PARTITION_LABELS = ("group", "topic", "partition", "replay")
GROUP_LABELS = ("group", "replay")

COMMITTED_OFFSET = "azora_consumergroup_committed_offset"
END_OFFSET = "azora_consumergroup_end_offset"
LAG_MESSAGES = "azora_consumergroup_lag_messages"
LAG_SECONDS = "azora_consumergroup_lag_seconds"
PARTITION_STATUS = "azora_consumergroup_partition_status"
GROUP_TOTAL_LAG = "azora_consumergroup_total_lag_messages"
GROUP_MAX_LAG_SECONDS = "azora_consumergroup_max_lag_seconds"
GROUP_MEMBERS = "azora_consumergroup_members"
GROUP_STATUS = "azora_consumergroup_status"
GROUP_STATUS_CODE = "azora_consumergroup_status_code"
POLL_SECONDS = "azora_lag_exporter_poll_seconds"
POLL_ERRORS = "azora_lag_exporter_poll_errors_total"
LAST_POLL = "azora_lag_exporter_last_poll_timestamp_seconds"

# Every sample name the exporter writes (histogram series included).
SAMPLE_NAMES = frozenset(
    {
        COMMITTED_OFFSET,
        END_OFFSET,
        LAG_MESSAGES,
        LAG_SECONDS,
        PARTITION_STATUS,
        GROUP_TOTAL_LAG,
        GROUP_MAX_LAG_SECONDS,
        GROUP_MEMBERS,
        GROUP_STATUS,
        GROUP_STATUS_CODE,
        POLL_ERRORS,
        LAST_POLL,
        f"{POLL_SECONDS}_bucket",
        f"{POLL_SECONDS}_sum",
        f"{POLL_SECONDS}_count",
    }
)

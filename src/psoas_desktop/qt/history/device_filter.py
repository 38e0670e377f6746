"""The window's device filter: the sessions of every device the history knows, or of this one only."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox

from psoas_desktop.core.history_summary import KnownDevice
from psoas_desktop.qt.history.device_marks import device_label

ALL_DEVICES = "All devices"
THIS_LAPTOP = "This laptop"
ONE_DEVICE_TIP = "Only this computer's sessions so far: set a sync folder to see your other devices' too."


class DeviceFilter(QComboBox):
    """Either "All devices" (the default: the weekly goal counts every device) or "This laptop"; enabled
    once the history knows more than one device (see :meth:`show_devices`)."""

    def __init__(self) -> None:
        super().__init__()
        self.addItem(ALL_DEVICES, False)
        self.addItem(THIS_LAPTOP, True)
        self.setAccessibleName("Devices")
        self.setEnabled(False)
        self.setToolTip(ONE_DEVICE_TIP)

    @property
    def local_only(self) -> bool:
        return bool(self.currentData())

    def set_local_only(self, local_only: bool) -> None:
        self.setCurrentIndex(1 if local_only else 0)

    def show_devices(self, devices: Sequence[KnownDevice]) -> None:
        several = len(devices) > 1
        self.setEnabled(several)
        names = ", ".join(device_label(device) for device in devices)
        self.setToolTip(f"Sessions recorded on: {names}" if several else ONE_DEVICE_TIP)

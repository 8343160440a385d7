"""The ``wuzheng`` operator command and the local launcher behind ``make run``.

Sub-commands of services (``wuzheng catalog import`` …) are plugged in through the
``wuzheng.cli`` entry-point group, so this package never imports a service.
"""

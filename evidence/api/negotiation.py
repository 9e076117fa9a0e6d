"""Content negotiation that answers a ``format`` no renderer offers as the bad parameter it is."""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation

from evidence.choices import closest
from evidence.filtersets import MAX_Q_LENGTH, unknown_value_error


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF answers ``?format=xml`` with a 404, as if the resource did not exist: here it is a
    400 naming the parameter and the formats offered, as an unknown filter value is."""

    def filter_renderers(self, renderers, format):
        found = [renderer for renderer in renderers if renderer.format == format]
        if not found:
            offered = list(dict.fromkeys(renderer.format for renderer in renderers))
            lead = f"Unknown format {format[:MAX_Q_LENGTH]!r}."
            error = unknown_value_error(lead, closest(format, offered), ", ".join(offered))
            raise ValidationError({self.settings.URL_FORMAT_OVERRIDE: error.messages})
        return found

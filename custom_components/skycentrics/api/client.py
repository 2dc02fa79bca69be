"""Async client of the SkyCentrics cloud API. No Home Assistant imports here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
import logging
import socket
from typing import Any, Final, Literal, get_args
from urllib.parse import quote, urlsplit

import aiohttp
import orjson
from yarl import URL

from .control import ControlGroup, Setting, control_group
from .decode import INT64_MAX, decode_json
from .exceptions import (
    SkyCentricsAuthenticationError,
    SkyCentricsConnectionError,
    SkyCentricsControlRefusedError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    SkyCentricsUrlError,
)
from .headers import api_error_message, parse_http_date, parse_retry_after
from .history import MAX_HISTORY_BYTES, History, decode_history, decode_history_columns
from .models import Device, Snapshot, parse_devices
from .readings import MAX_TEXT, Labels, ProblemLog, clean_text
from .signing import TOKEN_HEADER, api_token, http_date, request_line

_LOGGER = logging.getLogger(__name__)

DEFAULT_URL = "https://api.skycentrics.com"
DEFAULT_TIMEOUT = 15.0
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
CLOCK_TOLERANCE = timedelta(seconds=5)

HISTORY_SPAN: Final = timedelta(days=1)
"""Longest range of one history request: the API is asked one day at a time."""

HISTORY_TIMEOUT: Final = 120.0
"""Seconds one history request may take: a day is up to 64 MiB when the server sends it plain."""

HISTORY_QUERY_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"
"""Format of the history request's ``b`` and ``e`` (UTC)."""

GZIP_MEDIA_TYPE: Final = "application/gzip"
JSON_MEDIA_TYPE: Final = "application/json"

type DemandResponseEvent = Literal["LU", "CPE", "GE"]
"""A demand-response event: LU load up (store energy now), CPE critical peak event, GE grid
emergency (both curtail, as a shed does)."""

DEMAND_RESPONSE_EVENTS: Final[frozenset[str]] = frozenset(get_args(DemandResponseEvent.__value__))

MIN_CONTROL_DURATION: Final = 1
MAX_CONTROL_DURATION: Final = 86_400
"""Durations of an event or a shed, in whole seconds: 1 second to a day."""


def _control_duration(duration: object) -> int:
    """Return ``duration`` when it is an int of seconds within the bounds; else ValueError."""
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise ValueError(f"the duration must be whole seconds (an int), not {duration!r}")
    if not MIN_CONTROL_DURATION <= duration <= MAX_CONTROL_DURATION:
        raise ValueError(
            f"the duration must be {MIN_CONTROL_DURATION} to {MAX_CONTROL_DURATION} seconds, "
            f"not {duration}"
        )
    return duration


def _control_device_id(device_id: object) -> int:
    """Return ``device_id`` when it is an int within 0..int64; else ValueError."""
    if (
        not isinstance(device_id, int)
        or isinstance(device_id, bool)
        or not 0 <= device_id <= INT64_MAX
    ):
        raise ValueError(f"not a device id: {device_id!r}")
    return device_id


def normalize_url(url: str) -> str:
    """Return the API base URL without a trailing slash, or raise SkyCentricsUrlError.

    https is required, except for loopback hosts (a local simulator), where http is allowed.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SkyCentricsUrlError("the API URL must look like https://host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise SkyCentricsUrlError("the API URL must not hold credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SkyCentricsUrlError("plain http is allowed only for loopback addresses")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` is a loopback name or address."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SkyCentricsClient:
    """Signed requests to the SkyCentrics API.

    The caller owns ``session``; the client never closes it.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        session: aiohttp.ClientSession,
        *,
        url: str = DEFAULT_URL,
        request_timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_history_bytes: int = MAX_HISTORY_BYTES,
        history_timeout: float = HISTORY_TIMEOUT,
    ) -> None:
        """Set up a client for one pair of API keys.

        ``max_response_bytes`` caps every answer but history's; ``max_history_bytes`` caps a
        history answer twice, as read off the wire (a plain answer is as large as its JSON) and
        once gunzipped. ``history_timeout`` is the time one history request may take.
        """
        self._client_id = client_id
        self._client_secret = client_secret
        self._session = session
        self.url = normalize_url(url)
        self._path_prefix = urlsplit(self.url).path
        self._origin = str(URL(self.url).origin())  # scheme://host:port, the host IDNA-encoded
        self.request_timeout = request_timeout
        self.max_response_bytes = max_response_bytes
        self.max_history_bytes = max_history_bytes
        self.history_timeout = history_timeout
        self.clock_offset = timedelta(0)  # added to our clock for the Date header we sign
        self.observed_offset = timedelta(0)  # the server's clock minus ours, from its last Date
        self.problems = ProblemLog()  # what was wrong in the answers, each logged once
        self._labels: Labels = {}  # the polls' label checks (`Checks`), across answers

    def __repr__(self) -> str:
        """Show the URL, never the keys."""
        return f"{type(self).__name__}(url={self.url!r})"

    async def async_get_devices(self) -> list[Device]:
        """List the devices these keys may read (``GET /api/devices/``)."""
        return parse_devices(await self._request_json("/api/devices/"))

    async def async_get_device(self, device_id: int) -> Device:
        """Return one device object (``GET /api/devices/{id}/``)."""
        raw = await self._request_json(f"/api/devices/{int(device_id)}/")
        return Device.from_dict(raw, int(device_id))

    async def async_get_data(self, device_id: int) -> Snapshot:
        """Return the latest readings of one device (``GET /api/devices/{id}/data``)."""
        raw = await self._request_json(f"/api/devices/{int(device_id)}/data")
        return Snapshot.from_dict(raw, int(device_id), self.problems, self._labels)

    async def async_get_history(
        self,
        device_id: int,
        start: datetime,
        end: datetime,
        *,
        sensor_ids: Collection[str] | None = None,
    ) -> list[Snapshot]:
        """Return one device's history records between ``start`` and ``end``, sorted by time.

        ``GET /api/devices/{id}/data?b=START&e=END&g=1`` with ``Accept: application/gzip``.
        ``start`` and ``end`` are timezone-aware (sent in UTC, to the second), at most one day
        apart (`HISTORY_SPAN`): the caller splits longer ranges, and so holds one day at a time.
        Each record is a Snapshot checked like ``/data`` (readings without a time of their own
        get the record's); an empty range is []. With ``sensor_ids``, each record keeps only
        the readings of those sensors (the others are not even checked): far fewer objects when
        only a few counters are wanted. The gunzip, JSON decoding and checking run in a worker
        thread: a day is about 11 MB of JSON, too much for the event loop. Raises ValueError
        for a naive, empty, reversed or over-long range, otherwise the errors of every request.
        """
        return await self._async_history(device_id, start, end, sensor_ids, decode_history)

    async def async_get_history_columns(
        self,
        device_id: int,
        start: datetime,
        end: datetime,
        *,
        sensor_ids: Collection[str] | None = None,
    ) -> History:
        """`async_get_history` as `History`: the records, and the readings of their sensor
        lists as columns (no object per reading: what the statistics importer reads)."""
        return await self._async_history(device_id, start, end, sensor_ids, decode_history_columns)

    async def _async_history[T](
        self,
        device_id: int,
        start: datetime,
        end: datetime,
        sensor_ids: Collection[str] | None,
        decode: Callable[[bytes, int, ProblemLog, int, frozenset[str] | None], T],
    ) -> T:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if not timedelta(0) < end - start <= HISTORY_SPAN:
            raise ValueError(f"the range must be longer than 0 and at most {HISTORY_SPAN}")
        begin = start.astimezone(UTC).strftime(HISTORY_QUERY_FORMAT)
        until = end.astimezone(UTC).strftime(HISTORY_QUERY_FORMAT)
        path = f"/api/devices/{int(device_id)}/data?b={begin}&e={until}&g=1"
        body = await self._fetch(
            path, GZIP_MEDIA_TYPE, limit=self.max_history_bytes, time_limit=self.history_timeout
        )
        try:
            return await asyncio.to_thread(
                decode,
                body,
                int(device_id),
                self.problems,
                self.max_history_bytes,
                None if sensor_ids is None else frozenset(sensor_ids),
            )
        except SkyCentricsResponseError as err:
            raise SkyCentricsResponseError(f"{path}: {err}") from err

    # --- demand response ---------------------------------------------------------------------

    async def async_start_event(
        self, device_id: int, event: DemandResponseEvent, duration: int
    ) -> None:
        """Start a demand-response event on one device for ``duration`` seconds.

        ``PUT /api/devices/{id}/event`` with ``{"event": event, "duration": duration}``. See
        `_async_control` for what is sent, the answers and the errors. Raises ValueError, before
        any request, for an event other than LU, CPE, GE or a duration that is not an int of 1
        to 86,400 seconds.
        """
        if not isinstance(event, str) or event not in DEMAND_RESPONSE_EVENTS:
            raise ValueError(f"the event must be one of LU, CPE, GE, not {event!r}")
        command = {"event": event, "duration": _control_duration(duration)}
        await self._async_control(device_id, "event", command)

    async def async_shed_load(self, device_id: int, duration: int) -> None:
        """Shed one device's load for ``duration`` seconds.

        ``PUT /api/devices/{id}/load_shed`` with ``{"s": 1, "duration": duration}``. See
        `_async_control`. Raises ValueError, before any request, for a duration that is not an
        int of 1 to 86,400 seconds.
        """
        command = {"s": 1, "duration": _control_duration(duration)}
        await self._async_control(device_id, "load_shed", command)

    async def async_end_shed(self, device_id: int) -> None:
        """End a shed (or an event) on one device at once.

        ``PUT /api/devices/{id}/load_shed`` with ``{"s": 0, "duration": 0}``. See
        `_async_control`.
        """
        await self._async_control(device_id, "load_shed", {"s": 0, "duration": 0})

    async def async_set(self, device_id: int, device_type: int | None, setting: Setting) -> None:
        """Send one setting (`control`): ``PUT /api/<group>/{id}/<prop>``, the group by the
        device's type. See `_async_control` for the answers and the errors."""
        await self._async_control(device_id, setting.prop, setting.body, control_group(device_type))

    async def _async_control(
        self,
        device_id: int,
        endpoint: str,
        command: Mapping[str, object],
        group: ControlGroup = "devices",
    ) -> None:
        """Send one control request; return when the API took it (any 2xx: it answers 200/202).

        The body is serialised once (compact JSON); the request is signed with the content type
        it is sent with (``application/json``) and the MD5 of those very bytes, which are then
        sent. Nothing is sent on its own: one request per call, never retried, except once when
        the API refused the signature (401/403) and its Date shows that our clock is off (a
        refused request did nothing), as for the other requests. (aiohttp itself sends a PUT
        again once when a pooled connection turns out closed; the commands are idempotent.)

        Errors: SkyCentricsControlRefusedError for 401/403 (these keys may not control this
        device; never SkyCentricsAuthenticationError, so no reauth), SkyCentricsNotFoundError
        for 404, SkyCentricsRateLimitError for 429, SkyCentricsResponseError for any other
        status, SkyCentricsTimeoutError (the command may or may not have been taken) and
        SkyCentricsConnectionError. ValueError for a device id that is not an int within int64.
        """
        path = f"/api/{group}/{_control_device_id(device_id)}/{endpoint}"
        body = orjson.dumps(command)
        await self._fetch(
            path,
            JSON_MEDIA_TYPE,
            limit=self.max_response_bytes,
            time_limit=self.request_timeout,
            method="PUT",
            body=body,
        )

    # --- requests ------------------------------------------------------------------------------

    async def _request_json(self, path: str) -> Any:
        body = await self._request(path)
        try:
            return decode_json(body)
        except SkyCentricsResponseError as err:
            raise SkyCentricsResponseError(f"{path}: {err}") from err

    async def _request(self, path: str) -> bytes:
        """Send one signed GET and return the body (at most `max_response_bytes`)."""
        return await self._fetch(
            path, JSON_MEDIA_TYPE, limit=self.max_response_bytes, time_limit=self.request_timeout
        )

    async def _fetch(
        self,
        path: str,
        accept: str,
        *,
        limit: int,
        time_limit: float,
        method: str = "GET",
        body: bytes | None = None,
    ) -> bytes:
        """Send one signed request and return the body, mapping every failure to our errors.

        A GET, or a ``method`` request with a JSON ``body`` (a control request: a 401/403 is a
        SkyCentricsControlRefusedError). A 401/403 with the API's own JSON error whose Date
        header shows that our clock is off is answered by adopting the server's time and
        signing once more (the offset is kept for later requests).
        """
        try:
            return await self._send(path, accept, limit, time_limit, method, body)
        except (SkyCentricsAuthenticationError, SkyCentricsControlRefusedError) as err:
            if not self.clock_is_off or (
                isinstance(err, SkyCentricsControlRefusedError) and err.api_message is None
            ):
                raise
            _LOGGER.debug(
                "Request refused and the clocks differ by %.0f s: signing again with the "
                "server's time",
                self.observed_offset.total_seconds(),
            )
            self.clock_offset = self.observed_offset
            return await self._send(path, accept, limit, time_limit, method, body)

    @property
    def clock_is_off(self) -> bool:
        """Tell whether the server's clock differs from the one we sign with."""
        return abs(self.observed_offset - self.clock_offset) > CLOCK_TOLERANCE

    async def _send(  # noqa: PLR0917 (the parts of one request)
        self,
        path: str,
        accept: str,
        limit: int,
        time_limit: float,
        method: str = "GET",
        body: bytes | None = None,
    ) -> bytes:
        full_path = quote(self._path_prefix + path, safe="/:@!$&'()*+,;=-._~?")
        date = http_date(datetime.now(UTC) + self.clock_offset)
        line = request_line(method, full_path)
        headers = {"Accept": accept, "Date": date}
        if body is None:
            token = api_token(self._client_id, self._client_secret, line, date)
        else:  # signed with the very content type and bytes that are sent
            headers["Content-Type"] = JSON_MEDIA_TYPE
            token = api_token(
                self._client_id, self._client_secret, line, date, JSON_MEDIA_TYPE, body
            )
        headers[TOKEN_HEADER] = token
        try:
            async with asyncio.timeout(time_limit):
                async with self._session.request(
                    method,
                    URL(self._origin + full_path, encoded=True),  # sent as signed
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    raise_for_status=False,
                ) as response:
                    self._observe_server_date(response.headers.get("Date"))
                    answer = await self._read_body(response, path, limit)
                    self._raise_for_status(response, answer, path, control=body is not None)
                    return answer
        except TimeoutError as err:
            raise SkyCentricsTimeoutError(f"{path}: no answer within {time_limit:g} s") from err
        except SkyCentricsError:
            raise
        except (aiohttp.ClientError, socket.gaierror, OSError) as err:
            reason = clean_text(str(err), MAX_TEXT)  # may quote what the server sent
            raise SkyCentricsConnectionError(f"{path}: {type(err).__name__}: {reason}") from err

    def _observe_server_date(self, value: str | None) -> None:
        """Measure the server's clock against ours from a response's Date header.

        A missing or unusable Date (see `parse_http_date`) leaves the last measure as it was.
        """
        server_time = parse_http_date(value)
        if server_time is None:
            return
        # Whole seconds: an HTTP date has no fraction, so ours is cut the same way.
        local = datetime.now(UTC).replace(microsecond=0)
        self.observed_offset = server_time - local

    async def _read_body(self, response: aiohttp.ClientResponse, path: str, limit: int) -> bytes:
        if response.content_length is not None and response.content_length > limit:
            raise SkyCentricsResponseError(
                f"{path}: answer of {response.content_length} bytes exceeds {limit}",
                status=response.status,
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(65536):
            size += len(chunk)
            if size > limit:
                raise SkyCentricsResponseError(
                    f"{path}: answer exceeds {limit} bytes", status=response.status
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _raise_for_status(
        self, response: aiohttp.ClientResponse, body: bytes, path: str, *, control: bool = False
    ) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        api_message = api_error_message(body)
        message = f"{path}: HTTP {status}" + (f": {api_message}" if api_message else "")
        if control and status in (401, 403):  # never the authentication error: no reauth
            raise SkyCentricsControlRefusedError(
                f"{message}: these keys may not control this device"
                + ("" if api_message is not None else " (not the API's JSON error)"),
                status=status,
                api_message=api_message,
            )
        if status in (401, 403):
            if api_message is None:  # not the API's refusal: a proxy's page, a portal...
                raise SkyCentricsResponseError(
                    f"{message} without the API's JSON error: not taken as bad keys",
                    status=status,
                )
            raise SkyCentricsAuthenticationError(message, status=status)
        if status == 404:
            raise SkyCentricsNotFoundError(message)
        if status == 429:
            raise SkyCentricsRateLimitError(
                message, retry_after=parse_retry_after(response.headers.get("Retry-After"))
            )
        raise SkyCentricsResponseError(message, status=status)

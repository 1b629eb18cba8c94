"""Infotainment and the cabin apps' signals: media, navigation, screens, identity, overlays.

Standard VSS 6.0 paths for media, navigation and the HMI settings; overlay
branches for the exterior Media Bar (``Vehicle.Body.MediaBar``), the pedestrian
warning sound (``Vehicle.Body.AVAS``), profiles (``Vehicle.Cabin.Profile``) and
the distraction gate (``Vehicle.Cabin.Infotainment.DistractionGate``).
"""

from __future__ import annotations

from sdvkit.signals.builtin.cabin import where_in_cabin
from sdvkit.signals.builtin.rows import (
    BOOLEAN,
    DOUBLE,
    FLOAT,
    FRONT_ROW_SEATS,
    STRING,
    UINT8,
    SignalRow,
    actuator,
    for_each,
    sensor,
)

MEDIA_BAR_ANIMATIONS = (
    "NONE",
    "GREETING",
    "FAREWELL",
    "CHARGING",
    "AFTER_YOU",
    "WARNING",
    "SCROLL_TEXT",
)
"""What the exterior Media Bar can play; the cabin apps choose by event (unlock, charging ...)."""

_MEDIA = "Vehicle.Cabin.Infotainment.Media"
_NAVIGATION = "Vehicle.Cabin.Infotainment.Navigation"
_HMI = "Vehicle.Cabin.Infotainment.HMI"

INFOTAINMENT: tuple[SignalRow, ...] = (
    actuator(
        f"{_MEDIA}.Action",
        STRING,
        "Playback command, and the playback state once carried out.",
        allowed=(
            "UNKNOWN",
            "STOP",
            "PLAY",
            "FAST_FORWARD",
            "FAST_BACKWARD",
            "SKIP_FORWARD",
            "SKIP_BACKWARD",
        ),
    ),
    actuator(
        f"{_MEDIA}.Volume",
        UINT8,
        "Media volume the listener chose.",
        unit="percent",
        min=0,
        max=100,
    ),
    actuator(f"{_MEDIA}.SelectedURI", STRING, "URI of the item asked to play next."),
    sensor(f"{_MEDIA}.DeclinedURI", STRING, "URI of the last item that could not be played."),
    actuator(
        f"{_MEDIA}.Played.Source",
        STRING,
        "Where the playing item comes from.",
        allowed=(
            "UNKNOWN",
            "SIRIUS_XM",
            "AM",
            "FM",
            "DAB",
            "TV",
            "CD",
            "DVD",
            "AUX",
            "USB",
            "DISK",
            "BLUETOOTH",
            "INTERNET",
            "VOICE",
            "BEEP",
        ),
    ),
    sensor(f"{_MEDIA}.Played.Artist", STRING, "Artist of the playing item."),
    sensor(f"{_MEDIA}.Played.Album", STRING, "Album of the playing item."),
    sensor(f"{_MEDIA}.Played.Track", STRING, "Title of the playing item."),
    sensor(f"{_MEDIA}.Played.Genre", STRING, "Genre of the playing item."),
    sensor(f"{_MEDIA}.Played.URI", STRING, "URI of the playing item."),
    actuator(
        f"{_MEDIA}.Played.PlaybackRate",
        FLOAT,
        "Playback speed; 1 is normal.",
        min=0.0,
        max=4.0,
    ),
    actuator(
        f"{_NAVIGATION}.DestinationSet.Latitude",
        DOUBLE,
        "Latitude of the navigation destination (WGS 84).",
        unit="degrees",
        min=-90,
        max=90,
    ),
    actuator(
        f"{_NAVIGATION}.DestinationSet.Longitude",
        DOUBLE,
        "Longitude of the navigation destination (WGS 84).",
        unit="degrees",
        min=-180,
        max=180,
    ),
    actuator(
        f"{_NAVIGATION}.Volume",
        UINT8,
        "Volume of spoken guidance.",
        unit="percent",
        min=0,
        max=100,
    ),
    actuator(
        f"{_NAVIGATION}.Mute",
        STRING,
        "Whether spoken guidance is heard.",
        allowed=("MUTED", "ALERT_ONLY", "UNMUTED"),
    ),
    actuator(f"{_HMI}.DayNightMode", STRING, "Screen theme.", allowed=("DAY", "NIGHT")),
    actuator(
        f"{_HMI}.DistanceUnit",
        STRING,
        "Unit distances are shown in.",
        allowed=("MILES", "KILOMETERS"),
    ),
    actuator(
        f"{_HMI}.TemperatureUnit",
        STRING,
        "Unit temperatures are shown in.",
        allowed=("C", "F"),
    ),
    actuator(
        f"{_HMI}.Brightness",
        FLOAT,
        "Screen brightness.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(f"{_HMI}.CurrentLanguage", STRING, "Language of the user interface (ISO 639-1)."),
)

OCCUPANT_IDENTITY: tuple[SignalRow, ...] = for_each(
    FRONT_ROW_SEATS,
    lambda position: (
        sensor(
            f"Vehicle.Occupant.{position}.Identifier.Subject",
            STRING,
            f"Identity of the occupant ({where_in_cabin(position)}), as the issuer names them.",
        ),
        sensor(
            f"Vehicle.Occupant.{position}.Identifier.Issuer",
            STRING,
            f"Who vouches for the identity of the occupant ({where_in_cabin(position)}).",
        ),
    ),
)

# -- overlays ---------------------------------------------------------------------------------

_MEDIA_BAR = "Vehicle.Body.MediaBar"
_AVAS = "Vehicle.Body.AVAS"
_PROFILE = "Vehicle.Cabin.Profile"
_GATE = "Vehicle.Cabin.Infotainment.DistractionGate"

MEDIA_BAR: tuple[SignalRow, ...] = (
    actuator(f"{_MEDIA_BAR}.IsActive", BOOLEAN, "True while the exterior Media Bar is lit."),
    actuator(
        f"{_MEDIA_BAR}.Message",
        STRING,
        "Text the Media Bar shows to people outside the vehicle.",
    ),
    actuator(
        f"{_MEDIA_BAR}.Animation",
        STRING,
        "Animation the Media Bar plays.",
        allowed=MEDIA_BAR_ANIMATIONS,
        default="NONE",
    ),
    actuator(
        f"{_MEDIA_BAR}.Level",
        UINT8,
        "Fill level for level animations such as CHARGING.",
        unit="percent",
        min=0,
        max=100,
    ),
    actuator(
        f"{_MEDIA_BAR}.Color",
        STRING,
        'Colour of the Media Bar as "#RRGGBB".',
        pattern="^#[0-9A-Fa-f]{6}$",
    ),
    actuator(
        f"{_MEDIA_BAR}.Brightness",
        UINT8,
        "Brightness of the Media Bar.",
        unit="percent",
        min=0,
        max=100,
    ),
)

AVAS: tuple[SignalRow, ...] = (
    actuator(
        f"{_AVAS}.IsEnabled",
        BOOLEAN,
        "True when the acoustic vehicle alerting system may sound (UN R138).",
        default=True,
    ),
    sensor(
        f"{_AVAS}.IsSounding",
        BOOLEAN,
        "True while the pedestrian warning sound plays (below 20 km/h, and when reversing).",
    ),
    sensor(
        f"{_AVAS}.Frequency",
        FLOAT,
        "Fundamental frequency of the warning sound; it rises with speed.",
        unit="Hz",
        min=0,
    ),
    sensor(
        f"{_AVAS}.SoundLevel",
        FLOAT,
        "Sound pressure level of the warning sound at 2 m.",
        unit="dB",
        min=0,
    ),
)

PROFILES: tuple[SignalRow, ...] = (
    *for_each(
        ("Driver", "Passenger"),
        lambda person: (
            actuator(
                f"{_PROFILE}.{person}.Id",
                STRING,
                f"Id of the active {person.lower()} profile; selecting one applies it.",
            ),
            sensor(
                f"{_PROFILE}.{person}.Name",
                STRING,
                f"Display name of the active {person.lower()} profile.",
            ),
        ),
    ),
    sensor(
        f"{_PROFILE}.DetectedKeyId",
        STRING,
        "Id of the key that last unlocked the vehicle; it selects the driver profile.",
    ),
    sensor(
        f"{_PROFILE}.Suggestion",
        STRING,
        "A setting the profile app has learned and proposes, as text; empty when none.",
    ),
)

DISTRACTION_GATE: tuple[SignalRow, ...] = (
    sensor(
        f"{_GATE}.IsLocked",
        BOOLEAN,
        "True while distracting content is locked (the vehicle is not in Park).",
    ),
    sensor(
        f"{_GATE}.Reason",
        STRING,
        "Why the gate is locked.",
        allowed=("NONE", "NOT_IN_PARK", "MOVING", "UNKNOWN_GEAR"),
    ),
    sensor(f"{_GATE}.IsVideoAllowed", BOOLEAN, "True when video may play on screens the driver sees."),
    sensor(f"{_GATE}.IsTextEntryAllowed", BOOLEAN, "True when text may be typed in."),
    sensor(f"{_GATE}.IsScrollingTextAllowed", BOOLEAN, "True when text may scroll."),
)

ROWS: tuple[SignalRow, ...] = (
    *INFOTAINMENT,
    *OCCUPANT_IDENTITY,
    *MEDIA_BAR,
    *AVAS,
    *PROFILES,
    *DISTRACTION_GATE,
)

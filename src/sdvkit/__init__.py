"""sdvkit: the open software of an electric vehicle, in the car and in its cloud."""

__version__ = "0.1.0"

"""Energy: drive-cycle runs (``sdvkit energy``) and the range-prediction app."""

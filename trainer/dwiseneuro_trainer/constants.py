"""Facts about the Sensorium 2023 data and the original solution that several modules share."""

# The ten Sensorium 2023 mice in the original solution's readout order (the five new mice first).
NEW_MICE = [
    "dynamic29515-10-12-Video-9b4f6a1a067fe51e15306b9628efea20",
    "dynamic29623-4-9-Video-9b4f6a1a067fe51e15306b9628efea20",
    "dynamic29647-19-8-Video-9b4f6a1a067fe51e15306b9628efea20",
    "dynamic29712-5-9-Video-9b4f6a1a067fe51e15306b9628efea20",
    "dynamic29755-2-8-Video-9b4f6a1a067fe51e15306b9628efea20",
]
NEW_NUM_NEURONS = [7863, 7908, 8202, 7939, 8122]
OLD_MICE = [
    "dynamic29156-11-10-Video-8744edeac3b4d1ce16b680916b5267ce",
    "dynamic29228-2-10-Video-8744edeac3b4d1ce16b680916b5267ce",
    "dynamic29234-6-9-Video-8744edeac3b4d1ce16b680916b5267ce",
    "dynamic29513-3-5-Video-8744edeac3b4d1ce16b680916b5267ce",
    "dynamic29514-2-9-Video-8744edeac3b4d1ce16b680916b5267ce",
]
OLD_NUM_NEURONS = [7440, 7928, 8285, 7671, 7495]
SENSORIUM_MICE = NEW_MICE + OLD_MICE
SENSORIUM_NUM_NEURONS = NEW_NUM_NEURONS + OLD_NUM_NEURONS

FPS = 30
NUM_FOLDS = 7

# The Sensorium 2023 rig: the 36 x 64 frame is the whole screen, the eye on the perpendicular through
# its centre (the manifest's `display` block; absent, these values).
SENSORIUM_DISPLAY = {"screen_width_cm": 56.5, "screen_height_cm": 31.8, "distance_cm": 15.0}

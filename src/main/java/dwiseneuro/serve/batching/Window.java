package dwiseneuro.serve.batching;

/** One window of a clip: the frames ending at target index {@code end}. */
record Window(ClipJob job, int end) {
}

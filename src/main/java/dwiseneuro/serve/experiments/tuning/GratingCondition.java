package dwiseneuro.serve.experiments.tuning;

import java.util.Map;

import dwiseneuro.serve.experiments.stimulus.Aperture;
import dwiseneuro.serve.experiments.stimulus.Grating;
import dwiseneuro.serve.experiments.stimulus.Surround;

/**
 * One trial of a grating experiment: the grating, where it is shown (aperture and surround, null for
 * full-field), and its parameters as the stimulus listing shows them.
 */
record GratingCondition(Grating grating, Aperture aperture, Surround surround, Map<String, Object> parameters) {
}

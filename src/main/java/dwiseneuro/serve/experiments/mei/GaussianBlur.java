package dwiseneuro.serve.experiments.mei;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Gradient preconditioning by a spatial Gaussian blur (as in sinzlab/mei's GaussianBlur precondition): the
 * gradient of each image (or each frame) is multiplied by row-normalised Gaussian matrices along rows and
 * columns, K_y g K_x^T. Row-normalised Gaussian matrices have positive eigenvalues, so the blurred gradient
 * is still an ascent direction and the optimum (zero gradient) stays where it is.
 */
final class GaussianBlur {

    private GaussianBlur() {
    }

    /**
     * {@code gradient} (starts, height, width) or (starts, height, width, frames) blurred over height and
     * width with {@code sigma} pixels; the gradient itself when sigma is below a third of a pixel.
     */
    static NDArray apply(NDArray gradient, double sigma, NDManager into) {
        if (sigma < 1.0 / 3) {
            return gradient;
        }
        Shape shape = gradient.getShape();
        int height = (int) shape.get(1);
        int width = (int) shape.get(2);
        boolean video = shape.dimension() == 4;
        try (NDManager scratch = into.newSubManager()) {
            NDArray rows = scratch.create(matrix(height, sigma), new Shape(height, height));
            NDArray columns = scratch.create(matrix(width, sigma), new Shape(width, width)).transpose();
            NDArray images = video ? gradient.transpose(0, 3, 1, 2) : gradient; // (..., height, width)
            images.attach(scratch);
            NDArray blurred = rows.matMul(images).matMul(columns);
            NDArray out = video ? blurred.transpose(0, 2, 3, 1).duplicate() : blurred;
            out.attach(into);
            return out;
        }
    }

    /** n x n Gaussian weights exp(-(i - j)^2 / 2 sigma^2), cut at 4 sigma, each row summing to 1. */
    static float[] matrix(int n, double sigma) {
        float[] out = new float[n * n];
        double reach = 4 * sigma;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                double d = i - j;
                sum += Math.abs(d) <= reach ? Math.exp(-d * d / (2 * sigma * sigma)) : 0;
            }
            for (int j = 0; j < n; j++) {
                double d = i - j;
                out[i * n + j] = Math.abs(d) <= reach ? (float) (Math.exp(-d * d / (2 * sigma * sigma)) / sum) : 0f;
            }
        }
        return out;
    }
}

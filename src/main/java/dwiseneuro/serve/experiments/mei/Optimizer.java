package dwiseneuro.serve.experiments.mei;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The update rule on the stimulus parameter: the step to add (ascent) for a gradient. Learning rates are
 * in pixel units (0..255) for both rules: Adam's steps are about {@code lr} per pixel, and SGD's step is
 * the gradient scaled to an RMS of {@code lr} (a model's raw gradient has no natural scale).
 */
interface Optimizer extends AutoCloseable {

    /** The step for {@code gradient}, attached to {@code into}; the optimiser's own state stays on the device. */
    NDArray step(NDArray gradient, NDManager into);

    @Override
    void close();

    static Optimizer of(MeiSettings.Rule rule, double lr, NDManager state) {
        return switch (rule) {
            case ADAM -> new Adam(lr, 0.9, 0.999, 1e-8, state);
            case SGD -> new Sgd(lr);
        };
    }

    /** Adam (Kingma and Ba 2015) with bias correction; moments per pixel, kept on the device. */
    final class Adam implements Optimizer {
        private final double lr;
        private final double beta1;
        private final double beta2;
        private final double eps;
        private final NDManager state;
        private NDArray m;
        private NDArray v;
        private int t;

        Adam(double lr, double beta1, double beta2, double eps, NDManager parent) {
            this.lr = lr;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.state = parent.newSubManager();
        }

        @Override
        public NDArray step(NDArray gradient, NDManager into) {
            if (m == null) {
                m = state.zeros(gradient.getShape());
                v = state.zeros(gradient.getShape());
            }
            t++;
            try (NDManager scratch = into.newSubManager()) {
                NDArray g = gradient.duplicate();
                g.attach(scratch);
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.square().muli(1 - beta2));
                double correction1 = 1 - Math.pow(beta1, t);
                double correction2 = 1 - Math.pow(beta2, t);
                NDArray mean = m.div(correction1);
                NDArray second = v.div(correction2);
                mean.attach(scratch);
                second.attach(scratch);
                NDArray scale = second.sqrt().addi(eps);
                NDArray step = mean.divi(scale).muli(lr);
                step.attach(into);
                return step;
            }
        }

        @Override
        public void close() {
            state.close();
        }
    }

    /** Gradient ascent with the gradient of each start scaled to an RMS of {@code lr}. */
    final class Sgd implements Optimizer {
        private final double lr;

        Sgd(double lr) {
            this.lr = lr;
        }

        @Override
        public NDArray step(NDArray gradient, NDManager into) {
            try (NDManager scratch = into.newSubManager()) {
                NDArray g = gradient.duplicate();
                g.attach(scratch);
                NDArray rms = Stimulus.perStart(g.square(), true).sqrt().addi(1e-20);
                NDArray step = g.div(rms).muli(lr);
                step.attach(into);
                return step;
            }
        }

        @Override
        public void close() {
        }
    }
}

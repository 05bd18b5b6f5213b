package dwiseneuro.serve.media;

import java.util.Arrays;

/**
 * A decoded NumPy array as float32 values in C (row-major) order, whatever its stored dtype,
 * byte order or memory order.
 */
public record NpyArray(String name, int[] shape, String dtype, float[] data) {

    public int ndim() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public String shapeText() {
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }
}

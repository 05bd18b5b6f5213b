package dwiseneuro.serve.clip;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A frame range as users write it: {@code START:END}, 0-based, END exclusive, either side may be left
 * out (a Python slice without negative indices). The callers say what a bad one is in their own terms.
 */
public final class FrameRange {

    private static final Pattern RANGE = Pattern.compile("\\s*(\\d*)\\s*:\\s*(\\d*)\\s*");

    private FrameRange() {
    }

    public static boolean wellFormed(String range) {
        return RANGE.matcher(range).matches();
    }

    /**
     * {start, end} of a well-formed {@code range}, START left out meaning 0 and END {@code length}; not
     * checked against {@code length} (numbers too long for a long come back as Long.MAX_VALUE).
     */
    public static long[] bounds(String range, int length) {
        Matcher m = RANGE.matcher(range);
        if (!m.matches()) {
            throw new IllegalArgumentException("not START:END: '" + range + "'");
        }
        return new long[] {m.group(1).isEmpty() ? 0 : number(m.group(1)), m.group(2).isEmpty() ? length : number(m.group(2))};
    }

    private static long number(String digits) {
        return digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
    }
}

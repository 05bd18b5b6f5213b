package dwiseneuro.serve.api;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.server.multipart.FormValue;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

/**
 * Checks the parts of a multipart upload as a whole, before any of them is decoded: every part must
 * have a name the endpoint knows (text fields included, not only files), and no part may come twice
 * (which of two videos would be meant?).
 */
final class UploadParts {

    private UploadParts() {
    }

    /** Throws a 400 problem for a body without a boundary, an unknown part or a repeated one. */
    static void check(MediaType contentType, MultipartFormDataInput form, Set<String> known) {
        if (contentType != null && contentType.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE)
                && contentType.getParameters().get("boundary") == null) {
            throw new ProblemException(400, "the Content-Type multipart/form-data has no boundary parameter, "
                    + "so the parts cannot be found");
        }
        if (form == null) {
            return;
        }
        String expected = String.join(", ", new TreeSet<>(known));
        for (Map.Entry<String, Collection<FormValue>> part : form.getValues().entrySet()) {
            if (!known.contains(part.getKey())) {
                throw new ProblemException(400, "unknown part '" + part.getKey() + "'; expected " + expected);
            }
            if (part.getValue().size() > 1) {
                throw new ProblemException(400, "part '" + part.getKey() + "' was sent " + part.getValue().size()
                        + " times; send each part once");
            }
        }
    }
}

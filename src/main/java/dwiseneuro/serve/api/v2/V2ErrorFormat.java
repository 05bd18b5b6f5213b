package dwiseneuro.serve.api.v2;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dwiseneuro.serve.api.Problem;

/**
 * Errors under /v2/ leave as the Open Inference Protocol's {"error": "..."} in application/json, with the
 * status and headers (Retry-After) the problem+json mapping gave them. One filter for all of them, so that
 * errors raised before a v2 method is matched (415, 405, 406, 404) speak the protocol too.
 */
public class V2ErrorFormat {

    @ServerResponseFilter
    public void toProtocolError(ContainerRequestContext request, ContainerResponseContext response) {
        if (!request.getUriInfo().getPath().startsWith("/v2/") || !(response.getEntity() instanceof Problem problem)) {
            return;
        }
        String message = problem.incident() == null ? problem.detail()
                : problem.detail() + " (incident " + problem.incident() + ")";
        response.setEntity(new V2Types.Error(message), null, MediaType.APPLICATION_JSON_TYPE);
    }
}

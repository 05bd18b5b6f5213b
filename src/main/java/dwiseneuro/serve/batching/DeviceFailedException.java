package dwiseneuro.serve.batching;

/**
 * A device's CUDA context broke (an illegal memory access, a device-side assert, a lost GPU): the batch
 * that met it and everything queued on the device fail with this (503), and readiness is DOWN until the
 * service restarts.
 */
public class DeviceFailedException extends NotAcceptingException {
    public DeviceFailedException(String device, String error, String incident) {
        super("device " + device + " failed (" + error + ") and runs nothing more until the service is restarted"
                + " (incident " + incident + ")");
    }
}

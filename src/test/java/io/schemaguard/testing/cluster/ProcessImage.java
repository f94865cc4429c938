package io.schemaguard.testing.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a container image means to the {@link ProcessKubelet}: the programs on its PATH (by command
 * name, mapped to local executables), its entrypoint and default arguments, and its environment.
 */
public record ProcessImage(
        String name, Map<String, Path> commands, List<String> entrypoint, List<String> cmd, Map<String, String> env) {

    public ProcessImage {
        commands = Map.copyOf(commands);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = Map.copyOf(env);
    }
}

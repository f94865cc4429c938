package io.schemaguard.api;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the migration files come from: ConfigMaps of the namespace (each key a file name as the engine
 * expects; for Prisma {@code <timestamp>_<name>.sql} stands for {@code <timestamp>_<name>/migration.sql}),
 * or the application's own image, copied by an init container from {@code path}.
 */
@ValidationRule(value = "has(self.configMaps) != has(self.image)", message = "set exactly one of configMaps or image")
@ValidationRule(
        value = "!has(self.configMaps) || size(self.configMaps) > 0",
        message = "configMaps needs at least one ConfigMap: an empty list holds no migration")
public class MigrationSource {
    private List<ConfigMapRef> configMaps = null;
    private ImageSource image;

    public List<ConfigMapRef> getConfigMaps() {
        return configMaps;
    }

    public void setConfigMaps(List<ConfigMapRef> configMaps) {
        this.configMaps = configMaps;
    }

    public ImageSource getImage() {
        return image;
    }

    public void setImage(ImageSource image) {
        this.image = image;
    }

    public static class ConfigMapRef {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        private String name;

        public ConfigMapRef() {}

        public ConfigMapRef(String name) {
            this.name = name;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }

    public static class ImageSource {
        @Required
        private String image;

        /** Directory in the image holding the migrations (e.g. /app/prisma/migrations). */
        @Required
        @Pattern("^/.*")
        private String path;

        public String getImage() {
            return image;
        }

        public void setImage(String image) {
            this.image = image;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }
    }

    public static MigrationSource ofConfigMaps(String... names) {
        MigrationSource s = new MigrationSource();
        List<ConfigMapRef> refs = new ArrayList<>();
        for (String n : names) {
            refs.add(new ConfigMapRef(n));
        }
        s.setConfigMaps(refs);
        return s;
    }
}

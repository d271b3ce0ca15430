package dev.transferd.plugin.web.console;

/**
 * Turns why an upload failed into the one sentence the page shows: what was wrong, naming the
 * archive entry when the importer named one, and what to do about it.
 */
final class UploadFailures {
  private UploadFailures() {}

  /** The sentence for an importer's message ({@code import: ENTRY: PROBLEM}). */
  static String sentence(String file, String message) {
    String detail = message == null ? "unknown error" : message.strip();
    if (detail.startsWith("import: ")) {
      detail = detail.substring("import: ".length());
    }
    if (detail.endsWith(".")) {
      detail = detail.substring(0, detail.length() - 1);
    }
    return file + " was refused (" + detail + "); " + fix(detail) + ".";
  }

  private static String fix(String detail) {
    if (detail.contains("not allowed in an image archive") || detail.contains("link")) {
      return "an image archive may hold only regular files, directories and symlinks, so re-create"
          + " it with docker save or skopeo copy";
    }
    if (detail.contains("diff_id") || detail.contains("digest")) {
      return "a layer does not match the image's config, so the archive is damaged or edited:"
          + " save the image again";
    }
    if (detail.contains("larger than") || detail.contains("exceeds")) {
      return "upload a smaller archive, or ask the operator to raise the size limit";
    }
    if (detail.contains("gzip") || detail.contains("zstd") || detail.contains("tar")) {
      return "upload a .tar, .tar.gz or .tar.zst made by docker save, skopeo or ctr images export";
    }
    return "save the image again with docker save NAME:TAG or skopeo copy and upload that file";
  }

  /** The sentence for an archive in which nothing has a repository:tag. */
  static String untagged(String file) {
    return file
        + " has no repository:tag for its image (it was saved by image ID): type a name such as"
        + " localhost/app:v1 and upload it again, or re-save it with docker save NAME:TAG -o "
        + file
        + ".";
  }

  /** The sentence for an upload cut off at the size cap. */
  static String tooLarge(String file, long cap) {
    return file
        + " is larger than this server's upload limit of "
        + cap
        + " bytes; import it with transferctl import, or ask the operator to raise [web]"
        + " max_upload_size.";
  }
}

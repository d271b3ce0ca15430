package dev.transferd.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The reason a file operation failed, in the words of the system's error messages: Java's file
 * exceptions carry only the path for the commonest errors (e.g. {@link AccessDeniedException}).
 */
final class FileErrors {
  private FileErrors() {}

  /** Why {@code e} happened, without the path, e.g. {@code permission denied}. */
  static String reason(IOException e) {
    String reason =
        switch (e) {
          case AccessDeniedException a -> "permission denied";
          case NoSuchFileException n -> "no such file or directory";
          case FileAlreadyExistsException f -> "file exists";
          case NotDirectoryException n -> "not a directory";
          case DirectoryNotEmptyException d -> "directory not empty";
          case FileSystemException f -> f.getReason();
          default -> e.getMessage();
        };
    return reason == null || reason.isEmpty() ? e.getClass().getSimpleName() : lower(reason);
  }

  /** {@code path: reason}, for an error line. */
  static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      return f.getFile() + ": " + reason(e);
    }
    return reason(e);
  }

  private static String lower(String reason) {
    // strerror's "No space left on device" reads better inside a sentence in lower case.
    return reason.length() > 1 && Character.isLowerCase(reason.charAt(1))
        ? Character.toLowerCase(reason.charAt(0)) + reason.substring(1)
        : reason;
  }
}

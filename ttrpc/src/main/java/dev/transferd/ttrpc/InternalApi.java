package dev.transferd.ttrpc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Public only because another module of this project needs it: not part of the library's supported
 * API, and free to change or go in any release without notice. Applications should not use it. Each
 * use names, in its own Javadoc, the module that needs it and why.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface InternalApi {}

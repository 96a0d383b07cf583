package org.nabd.analysis;

import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

import java.io.IOException;

/**
 * Folds letter elongation, common in social media: a run of three or more of the same letter
 * becomes one ({@code جمييييييل} → {@code جميل}, {@code soooo} → {@code so}). Runs of two are
 * kept, since Arabic and English words legitimately double letters ({@code الله}, {@code good}).
 */
public final class ElongationFilter extends TokenFilter {

    private static final int MIN_RUN = 3;

    private final CharTermAttribute termAttribute = addAttribute(CharTermAttribute.class);

    public ElongationFilter(TokenStream input) {
        super(input);
    }

    @Override
    public boolean incrementToken() throws IOException {
        if (input.incrementToken() == false) {
            return false;
        }
        termAttribute.setLength(fold(termAttribute.buffer(), termAttribute.length()));
        return true;
    }

    /** Folds runs in place and returns the new length. */
    static int fold(char[] buffer, int length) {
        int write = 0;
        int read = 0;
        while (read < length) {
            char current = buffer[read];
            int runEnd = read;
            while (runEnd < length && buffer[runEnd] == current) {
                runEnd++;
            }
            int run = runEnd - read;
            int keep = (run >= MIN_RUN && Character.isLetter(current)) ? 1 : run;
            for (int i = 0; i < keep; i++) {
                buffer[write++] = current;
            }
            read = runEnd;
        }
        return write;
    }
}

// Lint rules for the program, providers, components, operator commands and tests.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config({ ignores: ["node_modules/**", "bin/**"] }, js.configs.recommended, ...tseslint.configs.recommended, {
    languageOptions: { parserOptions: { ecmaVersion: 2022, sourceType: "module" } },
    rules: {
        "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        "@typescript-eslint/no-explicit-any": "off",
        "@typescript-eslint/no-require-imports": "off",
        "no-constant-condition": ["error", { checkLoops: false }],
        eqeqeq: ["error", "smart"],
    },
});

import { defineGeneratedSuite } from '../support/generated';

defineGeneratedSuite(3, 4);
